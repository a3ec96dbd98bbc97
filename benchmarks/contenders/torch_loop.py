"""The hand-written PyTorch loop (CPU build): manual shuffled batches from tensors, Adam,
cross-entropy on logits, nn.LSTM(batch_first=True), nn.TransformerEncoderLayer for the
transformer; predict under no_grad() in eval mode.

Denormals are flushed to zero, as XLA and TensorFlow do by default: without that, Adam's
decaying moments of never-updated weights go denormal and torch's first epochs run several
times slower on x86 CPUs."""

from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn

import child


class LastStepLSTM(nn.Module):
    """LSTM(128) over the 28 rows, then a linear layer on the last hidden state."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(28, 128, batch_first=True)
        self.head = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of a (batch, 28, 28) input."""
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


class TextTransformer(nn.Module):
    """Token + learned position embeddings, post-norm nn.TransformerEncoderLayer blocks
    (as Keras's: ReLU FFN, dropout, LayerNorm after each residual), mean pooling, linear."""

    def __init__(self) -> None:
        super().__init__()
        cfg = child.TRANSFORMER
        self.tokens = nn.Embedding(cfg["vocab"], cfg["embed_dim"])
        self.positions = nn.Embedding(cfg["seq_len"], cfg["embed_dim"])
        block = nn.TransformerEncoderLayer(
            cfg["embed_dim"], cfg["heads"], dim_feedforward=cfg["ff_dim"],
            dropout=cfg["dropout"], layer_norm_eps=cfg["epsilon"], batch_first=True)
        self.encoder = nn.TransformerEncoder(block, cfg["blocks"], enable_nested_tensor=False)
        self.head = nn.Linear(cfg["embed_dim"], cfg["classes"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of a (batch, 200) batch of token ids."""
        h = self.tokens(x) + self.positions(torch.arange(x.shape[1], device=x.device))
        return self.head(self.encoder(h).mean(dim=1))


def build(workload: str) -> nn.Module:
    """The workload's model, emitting logits (the softmax lives in the loss)."""
    if workload == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(),
                             nn.Dropout(child.DROPOUT), nn.Linear(128, 64), nn.ReLU(),
                             nn.Linear(64, 10))
    if workload == "cnn":  # NCHW: 28 -> 26 -> 13 -> 11 -> 5
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10))
    return TextTransformer() if workload == "transformer" else LastStepLSTM()


def tensor(x: np.ndarray, workload: str) -> torch.Tensor:
    """An input array as a torch tensor: channels first for the CNN, int64 token ids for
    the transformer."""
    if workload == "transformer":
        return torch.from_numpy(x.astype(np.int64))
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2) if workload == "cnn"
                                                 else x))


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Test accuracy, in eval mode without gradients."""
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    return float((predicted == y).float().mean())


def main() -> None:
    """Train, evaluate, time single-sample predict and report."""
    args = child.parser(__doc__.splitlines()[0]).parse_args()
    torch.set_flush_denormal(True)  # first: threads started later inherit the FP mode
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    data = child.load(args.workload, args.train_limit)
    x, y = tensor(data.x, args.workload), torch.from_numpy(data.y)
    model = build(args.workload)
    optimizer = torch.optim.Adam(model.parameters(), lr=child.LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    clock = child.EpochClock()
    for _ in range(args.epochs):
        clock.begin()
        model.train()
        for idx in torch.from_numpy(child.epoch_batches(len(x), rng)):
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
        clock.end()
    acc = accuracy(model, tensor(data.x_test, args.workload), torch.from_numpy(data.y_test))
    latency = None
    if args.predict_calls:
        model.eval()
        sample = tensor(data.x_test[:1], args.workload)
        with torch.no_grad():
            latency = child.predict_latency(model, sample, args.predict_calls)
    child.report(clock, acc, latency, threads=torch.get_num_threads())


if __name__ == "__main__":
    main()
