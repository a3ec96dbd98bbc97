"""training/interrupts.py: Ctrl-C held back until a donating call's outputs are assigned."""

import os
import signal
import threading

import numpy as np
import pytest

from lamina.training import interrupts


@pytest.fixture(autouse=True)
def python_ctrl_c_handler():
    """Python's own SIGINT handler for each test, whatever an earlier test or library in the
    same process installed (the suite is one long process), put back afterwards."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_an_interrupt_inside_the_block_is_raised_after_it_completes():
    handler = signal.getsignal(signal.SIGINT)
    finished = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts.deferred():
            signal.raise_signal(signal.SIGINT)
            finished.append("the block ran to its end")
    assert finished == ["the block ran to its end"]
    assert signal.getsignal(signal.SIGINT) is handler


def test_without_an_interrupt_nothing_is_raised_and_the_handler_is_restored():
    handler = signal.getsignal(signal.SIGINT)
    with interrupts.deferred():
        assert signal.getsignal(signal.SIGINT) is not handler
    assert signal.getsignal(signal.SIGINT) is handler


def test_other_threads_run_the_block_unchanged():
    seen = []

    def work():
        with interrupts.deferred():
            seen.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [signal.getsignal(signal.SIGINT)]


def _fitted_steps(model) -> int:
    return int(np.asarray(model.optimizer.iterations))


def _model():
    import lamina

    lamina.utils.set_random_seed(7)
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(8, activation="relu"),
                               lamina.layers.Dense(1)])
    model.compile("adam", "mse", metrics=["mae"])
    return model


def test_ctrl_c_during_fit_leaves_the_weights_of_a_step_boundary(tmp_path):
    """A real SIGINT, sent to the process from another thread while fit runs: fit raises
    KeyboardInterrupt, and the model holds the weights of exactly the steps it completed (those
    of the same fit stopped after that many steps), then predicts, evaluates, saves and trains
    as usual."""
    import lamina

    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.normal(size=(64, 1))
    model = _model()
    started = threading.Event()
    kill = threading.Thread(target=lambda: started.wait(30) and os.kill(os.getpid(),
                                                                          signal.SIGINT))
    kill.start()
    on_batch = lamina.callbacks.LambdaCallback(  # fit runs one step per call from here on
        on_train_batch_end=lambda batch, logs: batch == 3 and started.set())
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=8, epochs=200, verbose=0, callbacks=[on_batch])
    kill.join()
    steps = _fitted_steps(model)
    assert 4 <= steps < 200 * 8

    reference = _model()
    done = []
    stop_there = lamina.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: setattr(
        reference, "stop_training", done.append(batch) or len(done) >= steps))
    reference.fit(x, y, batch_size=8, epochs=200, verbose=0, callbacks=[stop_there])
    assert _fitted_steps(reference) == steps
    for got, expected in zip(model.get_weights(), reference.get_weights()):
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)

    np.testing.assert_allclose(model.predict(x, verbose=0), reference.predict(x, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0),
                               reference.evaluate(x, y, verbose=0), rtol=1e-6)
    model.save(tmp_path / "interrupted.keras")
    loaded = lamina.models.load_model(tmp_path / "interrupted.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    loss_before = model.evaluate(x, y, verbose=0)[0]
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert _fitted_steps(model) == steps + 16
    assert history.history["loss"][-1] < loss_before
