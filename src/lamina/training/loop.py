"""The epoch loops of fit / evaluate / predict: the only places the host waits for the device.

Everything is validated before the model changes; the compiled chunk functions come from the
model's Engine; logs are read from the device only when a callback or the progress bar asks.
"""

from __future__ import annotations

import functools
import numbers

import jax
import jax.numpy as jnp

from lamina import config, errors
from lamina.callbacks import CallbackList, History
from lamina.distribution import cpu_cores, distribution, placement
from lamina.distribution.host import tree_to_host
from lamina.training import custom_steps, data_checks, feed, fused, interrupts, predict_memo
from lamina.training import stateful_predict
from lamina.training import data as data_module
from lamina.training.compile import check_targets
from lamina.training.engine import Engine, pad_batch
from lamina.training.logs import LazyLogs, materialize
from lamina.training.state import TrainState, from_model, inference_state, to_model
from lamina.training.state import with_own_weights
from lamina.variables import current_values


def resolve_verbose(verbose) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise errors.ConfigError(f"verbose must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")
    return int(verbose)


def _check_count(name: str, value, minimum: int = 0) -> int:
    wrong_type = isinstance(value, bool) or not isinstance(value, numbers.Integral)
    if wrong_type or value < minimum:
        error = errors.ArgumentTypeError if wrong_type else errors.ConfigError
        raise error(f"{name} must be an integer >= {minimum}. Received: {name}={value!r}")
    return int(value)


def prepare_data(model, x, y, sample_weight=None, class_weight=None, steps=None,
                 needs_y: bool = True, shuffle: bool = False):
    """Validate user data and wrap it as ArrayData or IterableData; builds the model if needed."""
    stage = _host_stage_fn(model)
    if data_module.is_iterable_source(x):
        for name, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:  # never silently ignored, as Keras refuses them too
                raise errors.DataError(
                    f"When x is a generator, dataset or PyDataset, {name} must be None: the "
                    f"source yields (x, y) or (x, y, sample_weight) tuples itself. Received: "
                    f"{name} of type {type(value).__name__}.")
        return data_module.IterableData(x, steps, bool(shuffle), stage, class_weight,
                                        functools.partial(data_checks.check_index_inputs, model))
    if class_weight is not None and sample_weight is not None:
        raise errors.ConfigError("You cannot pass class_weight and sample_weight at the same "
                                 "time (as in Keras). Fold the class weights into sample_weight.")
    x, y, sample_weight = data_module.to_host_arrays(x, y, sample_weight, text_x=True)
    _check_weight_structure(y, sample_weight, class_weight)
    data_checks.check_single_input(model, x)
    if needs_y and y is None and model._compile_config is not None and \
            model._compile_config.loss is not None:
        raise errors.DataError("y is missing: the model was compiled with a loss, so fit and "
                               "evaluate need targets. Call fit(x, y).")
    model._ensure_built_for(x)
    stage = _host_stage_fn(model)  # a Sequential built from text has one only now
    if stage is None:
        data_module.check_numeric(x, "x")
        data_checks.check_index_inputs(model, x)
    if class_weight is not None and y is not None:
        sample_weight = data_module.class_weights_to_sample_weights(y, class_weight)
    return data_module.ArrayData(x, y, sample_weight, len(jax.tree_util.tree_leaves(x)[0]),
                                 stage)


def _host_stage_fn(model):
    """`raw batch -> HostFed` for a model whose first layers take strings, else None."""
    from lamina.models.host_stage import host_stage

    stage = host_stage(model) if hasattr(model, "_nodes_by_depth") else None
    return None if stage is None else functools.partial(stage.run, model)


def _in_arrays(data) -> bool:
    """Whether `data` feeds the compiled steps as whole arrays (no host stage per batch)."""
    return isinstance(data, data_module.ArrayData) and data.host_stage is None


def _check_weight_structure(y, sample_weight, class_weight) -> None:
    """Per-output sample weights need per-output targets; class_weight needs one output."""
    several_outputs = isinstance(y, (list, dict))
    if class_weight is not None and several_outputs:
        raise errors.ConfigError(
            "class_weight is only supported for models with a single output (as in Keras). "
            "With several outputs pass sample_weight as a list (or dict by output name) of "
            "per-output weight arrays, e.g. np.array([class_weights[c] for c in y_i]).")
    if isinstance(sample_weight, (list, dict)) and not several_outputs:
        raise errors.DataError(errors.message(
            "sample_weight is a list / dict of arrays but the targets are a single array.",
            got=f"{len(sample_weight)} weight arrays", expected="one array of per-sample weights",
            fix="Pass sample_weight as one array (several are for models with several "
                "outputs, one per output)."))


def _check_targets(model, data) -> None:
    if isinstance(data, data_module.IterableData):  # as Keras: build from the first batch
        if not data_module.needs_first_batch(model):
            return
        data = data.peek()
        model._ensure_built_for(data.x)
    if isinstance(data, data_module.ArrayData) and data.y is not None:
        output_shape = model._output_shape_for(data.x)
        if model._compile_config.loss is None:  # custom steps: no labels to check
            model._compile_config.resolve_metrics(data.y, output_shape)
            return
        check_targets(model._compile_config, data.y, output_shape)
        model._compile_config.resolve_metrics(data.y, output_shape)


AUTO_STEPS_PER_CALL = 96  # measured on the MLP: 75 steps per call ~4% faster than 25


def _steps_per_call(engine: Engine, callbacks, total_steps: int) -> int:
    """Steps fused into one compiled call: the user's steps_per_execution, or with 'auto'
    about AUTO_STEPS_PER_CALL (a divisor of the epoch's steps when one is close, so no second
    function compiles for the remainder) unless a callback acts on every batch or a layer asks
    not to be fused (XLA:CPU runs scanned convolutions several times slower)."""
    k = engine.config.steps_per_execution if engine.config else "auto"
    if k != "auto":
        return int(k)
    layers = [engine.model, *engine.model._flatten_layers()]
    if callbacks.needs_every_batch or not all(layer.fuse_steps for layer in layers):
        return 1
    if total_steps <= AUTO_STEPS_PER_CALL:
        return max(total_steps, 1)
    for candidate in range(AUTO_STEPS_PER_CALL, AUTO_STEPS_PER_CALL // 2 - 1, -1):
        if total_steps % candidate == 0:
            return candidate
    return AUTO_STEPS_PER_CALL


def _run_arrays(engine: Engine, chunk_fn, state: TrainState, data, batch_size: int,
                shuffle: bool, step_limit, callbacks, hook: str):
    # the order follows the train state's key (advanced by every step), so a resumed run
    # repeats it
    epoch = feed.epoch(data, batch_size, state.rng, bool(shuffle))
    total = epoch.steps if step_limit is None else min(step_limit, epoch.steps)
    step, logs = 0, None
    for k in fused.chunk_schedule(total, _steps_per_call(engine, callbacks, total)):
        getattr(callbacks, f"on_{hook}_batch_begin")(step)
        inputs = epoch.chunk(step, k)
        with interrupts.deferred():  # train calls donate `state`: keep their outputs
            state, logs = chunk_fn(k)(state, *inputs)
            if hook == "train":  # the state fit's clean-up keeps after a Ctrl-C
                engine.live_state = state
        epoch.submitted(logs)
        step += k
        getattr(callbacks, f"on_{hook}_batch_end")(step - 1, LazyLogs(lambda l=logs: l))
        if hook == "train" and engine.model.stop_training:
            break
    return state, logs


def _run_iterable(engine: Engine, batch_fn, state: TrainState, batches, callbacks, hook: str):
    size, logs = None, None
    for step, batch in enumerate(batches):
        rows = len(jax.tree_util.tree_leaves(batch[0])[0])
        size = size or _first_batch_size(rows)
        getattr(callbacks, f"on_{hook}_batch_begin")(step)
        padded = pad_batch(batch, max(size, rows))
        with interrupts.deferred():  # train calls donate `state`: keep their outputs
            state, logs = batch_fn(state, padded)
            if hook == "train":  # the state fit's clean-up keeps after a Ctrl-C
                engine.live_state = state
        getattr(callbacks, f"on_{hook}_batch_end")(step, LazyLogs(lambda l=logs: l))
        if hook == "train" and engine.model.stop_training:
            break
    return state, logs


def _first_batch_size(rows: int) -> int:
    """A generator's batch size is its first batch's; under a distribution it must split
    evenly over the data axis (later, smaller batches are padded to it)."""
    placement.check_batch_size(rows, "the generator's batch_size")
    return rows


def run_epoch(engine: Engine, state, data, batch_size, shuffle, steps, callbacks,
              train: bool) -> tuple[TrainState, dict]:
    """The state after one pass over `data` and its logs (as host numbers)."""
    state, logs = _run_epoch(engine, state, data, batch_size, shuffle, steps, callbacks, train)
    return state, materialize(engine.results()(state) if logs is None else logs)


def _run_epoch(engine: Engine, state, data, batch_size, shuffle, steps, callbacks, train: bool):
    if engine.custom:
        return custom_steps.run_epoch(engine, state, data, batch_size, shuffle, steps,
                                      callbacks, train)
    hook = "train" if train else "test"
    if _in_arrays(data):
        chunk = engine.train_chunk if train else engine.eval_chunk
        return _run_arrays(engine, chunk, state, data, batch_size, shuffle, steps, callbacks, hook)
    batch_fn = engine.train_batch() if train else engine.eval_batch()
    batches = data_module.host_batches(data, batch_size, shuffle, state.rng, steps)
    return _run_iterable(engine, batch_fn, state, batches, callbacks, hook)


def evaluate_state(engine: Engine, state, data, batch_size, steps=None, callbacks=None) -> dict:
    callbacks = callbacks or CallbackList()
    _, logs = run_epoch(engine, engine.reset_metrics(state), data, batch_size, False, steps,
                        callbacks, train=False)
    return logs


def _validation_source(model, validation_data, validation_split, train, steps):
    if validation_data is not None:
        if isinstance(validation_data, tuple) and not 1 <= len(validation_data) <= 3:
            raise errors.DataError(
                "validation_data must be (x_val, y_val) or (x_val, y_val, val_sample_weight). "
                f"Received: validation_data, a tuple of {len(validation_data)} items.")
        if isinstance(validation_data, tuple) and 2 <= len(validation_data) <= 3:
            return train, prepare_data(model, *validation_data)
        return train, prepare_data(model, validation_data, None, steps=steps)
    if validation_split:
        if not isinstance(train, data_module.ArrayData):
            raise errors.ConfigError("validation_split is only supported for arrays; with a "
                                     "generator or PyDataset pass validation_data instead.")
        return data_module.split_validation(train, validation_split)
    return train, None


def fit(model, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
        sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
        validation_batch_size=None, validation_freq=1) -> History:
    engine = model._require_engine("fit")
    batch_size = data_module.check_batch_size(batch_size)
    placement.check_batch_size(batch_size)
    if validation_batch_size is not None:
        placement.check_batch_size(validation_batch_size, "validation_batch_size")
    epochs = config.capped_epochs(_check_count("epochs", epochs))
    for name, count in {"steps_per_epoch": steps_per_epoch,
                        "validation_steps": validation_steps}.items():
        if count is not None:
            _check_count(name, count, 1)
    steps_per_epoch = config.capped_steps(steps_per_epoch)
    if validation_data is not None or validation_split:
        validation_steps = config.capped_steps(validation_steps)
    initial_epoch = _check_count("initial_epoch", initial_epoch)
    validation_freq = _check_count("validation_freq", validation_freq, 1)
    wrong_type = not isinstance(validation_split, numbers.Real)
    if wrong_type or not 0 <= validation_split < 1:
        error = errors.ArgumentTypeError if wrong_type else errors.ConfigError
        raise error(f"validation_split must be a float in [0, 1). Received: "
                    f"validation_split={validation_split!r}. E.g. 0.2 keeps the last 20% of the "
                    "data for validation.")
    verbose = resolve_verbose(verbose)
    train = prepare_data(model, x, y, sample_weight, class_weight, steps_per_epoch,
                         shuffle=shuffle)
    train, val = _validation_source(model, validation_data, validation_split, train,
                                    validation_steps)
    for part in (train, val):
        if part is not None:
            _check_targets(model, part)
    steps = _epoch_steps(train, batch_size, steps_per_epoch)
    cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model,
                       verbose=verbose, epochs=epochs, steps=steps)
    sizes = _array_batch_sizes([(train, batch_size), (val, validation_batch_size or batch_size)])
    # recurrent models on a multi-core CPU: each batch split over the cores
    with cpu_cores.steps_split(model, sizes) as split:
        optimizer = engine.config.optimizer
        model.stop_training = False
        model._initial_epoch = None
        engine.live_state = None
        # callbacks reading `self.model` mid-epoch get the weights of the latest step
        model.jax_state_sync = lambda: _sync_live_state(model, engine, optimizer)
        logs = None
        cbs.on_train_begin()
        # callbacks may have restored weights, optimizer state and the epoch (BackupAndRestore)
        state = from_model(model, optimizer, engine.metrics)
        model._optimizer_state = state.opt  # callbacks may swap optimizer state (SwapEMAWeights)
        initial_epoch = model._initial_epoch if model._initial_epoch is not None else initial_epoch
        try:
            for epoch in range(initial_epoch, epochs):
                cbs.on_epoch_begin(epoch)  # may set the learning rate for this epoch
                state = with_own_weights(_reread_weights(model, state))  # it is donated
                state = engine.reset_metrics(state)._replace(
                    opt=optimizer.with_current_hyperparams(state.opt))
                state, logs = run_epoch(engine, state, train, batch_size, shuffle, steps_per_epoch,
                                        cbs, True)
                if val is not None and (epoch + 1) % validation_freq == 0:
                    state, val_logs = _validate(model, engine, state, val,
                                                validation_batch_size or batch_size,
                                                validation_steps, cbs, optimizer)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                to_model(model, state, optimizer)
                engine.live_state = None  # the model is current: callbacks may change it
                cbs.on_epoch_end(epoch, logs)
                state = _reread_weights(model, state)
                if model.stop_training:
                    break
        finally:
            if engine.live_state is not None:  # stopped mid-epoch: `state` was donated since
                state = engine.live_state
            model.jax_state_sync = None
            engine.live_state = None
            engine.sync_metrics(state)
            # after a split fit the values go back to one device, as predict wants them
            to_model(model, state if split is None else cpu_cores.on_one_device(state),
                     optimizer)
            if epochs > 0:  # Keras: with `use_ema`, the model ends with the averages
                optimizer.finalize_variable_values(model.trainable_weights)
        cbs.on_train_end(logs)
        return model.history


def _array_batch_sizes(parts: list) -> list[int] | None:
    """The batch sizes of in-memory data parts (None parts skipped); None if any part is a
    generator or dataset (its batches may not split over the CPU's cores)."""
    parts = [(data, size) for data, size in parts if data is not None]
    if not all(_in_arrays(data) for data, _ in parts):
        return None
    return [size for _, size in parts]


def _sync_live_state(model, engine: Engine, optimizer) -> None:
    if engine.live_state is not None and engine.live_state.opt is not None:
        to_model(model, engine.live_state, optimizer)


def _reread_weights(model, state: TrainState) -> TrainState:
    """Callbacks may set weights (e.g. restoring the best ones) or swap optimizer state
    (SwapEMAWeights): continue from the model (placed as the distribution wants them, like
    the rest of the state)."""
    opt = model._optimizer_state if model._optimizer_state is not None else state.opt
    return placement.place_state(state._replace(
        trainable=current_values(model.trainable_weights),
        non_trainable=current_values(model.non_trainable_variables), opt=opt), model)


def _validate(model, engine: Engine, state: TrainState, val, batch_size, steps, cbs,
              optimizer) -> tuple[TrainState, dict]:
    """Validation inside `fit`, between `on_test_begin` and `on_test_end` as in Keras (where
    e.g. SwapEMAWeights evaluates with the moving averages)."""
    to_model(model, state, optimizer)
    engine.live_state = None  # the model is current: callbacks may change it
    cbs.on_test_begin()
    logs = evaluate_state(engine, _reread_weights(model, state), val, batch_size, steps)
    cbs.on_test_end(logs)
    return _reread_weights(model, state), logs


def _epoch_steps(data, batch_size, steps_per_epoch):
    if isinstance(data, data_module.ArrayData):
        full = -(-data.num_samples // batch_size)
        return full if steps_per_epoch is None else min(full, steps_per_epoch)
    if steps_per_epoch is not None:
        return steps_per_epoch
    return len(data.source) if hasattr(data.source, "__len__") else None


def evaluate(model, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
             steps=None, callbacks=None, return_dict=False):
    engine = model._require_engine("evaluate")
    batch_size = data_module.check_batch_size(batch_size)
    placement.check_batch_size(batch_size)
    verbose = resolve_verbose(verbose)
    steps = config.capped_steps(steps)
    data = prepare_data(model, x, y, sample_weight, steps=steps)
    _check_targets(model, data)
    cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=model, verbose=verbose,
                       epochs=1, steps=_epoch_steps(data, batch_size, steps))
    cbs.on_test_begin()
    with cpu_cores.steps_split(model, _array_batch_sizes([(data, batch_size)])):
        state = from_model(model, None, engine.metrics)
        logs = evaluate_state(engine, state, data, batch_size, steps, cbs)
    cbs.on_test_end(logs)
    if return_dict:
        return logs
    names = ["loss"] + [m.name for m in engine.metrics]
    flat = [logs[n] for n in names if n in logs] + [logs[k] for k in sorted(logs) if k not in names]
    return flat[0] if len(flat) == 1 else flat


def predict(model, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    steps = config.capped_steps(steps)
    if cpu_cores.is_core_split(distribution()):  # a callback's predict inside a split fit
        with cpu_cores.unsplit():
            return _predict(model, x, batch_size, verbose, steps, callbacks)
    return _predict(model, x, batch_size, verbose, steps, callbacks)


def _predict(model, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    remembered = predict_memo.predict_remembered(model, x, batch_size, verbose, steps, callbacks)
    if remembered is not None:
        return remembered
    batch_size_given = batch_size
    batch_size = data_module.check_batch_size(batch_size)
    placement.check_batch_size(batch_size)
    verbose = resolve_verbose(verbose)
    data = prepare_data(model, x, None, steps=steps, needs_y=False)
    engine = model._engine or Engine(model, None)
    model._engine = engine
    cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=model, verbose=verbose,
                       epochs=1, steps=_epoch_steps(data, batch_size, steps))
    cbs.on_predict_begin()  # may swap weights in (SwapEMAWeights): read them after it
    variables = model._variable_lists()
    state = inference_state(model, variables)
    if stateful_predict.has_stateful_layers(model):  # states carry from batch to batch
        outputs = stateful_predict.predict(model, data, batch_size, steps, cbs)
    elif custom_steps.overrides_predict_step(model):
        outputs = custom_steps.predict(engine, state, data, batch_size, steps, cbs)
    elif _fits_one_batch(data, batch_size):
        predict_batch = engine.predict_batch(variables)
        bucket = predict_memo.bucket_rows(data.num_samples, batch_size)
        cbs.on_predict_batch_begin(0)
        outputs = predict_memo.run_one_batch(predict_batch, state, data.x, bucket)
        cbs.on_predict_batch_end(0, LazyLogs(lambda: {"outputs": outputs}))
        if verbose == 0 and not callbacks and steps is None:
            predict_memo.remember(model, x, data.x, batch_size_given, predict_batch, variables,
                                  bucket)
    elif _in_arrays(data):
        outputs = _predict_arrays(engine, state, data, batch_size, steps, cbs)
    else:
        batches = data_module.host_batches(data, batch_size, False, None, steps)
        outputs = _predict_iterable(engine, state, batches, cbs)
    cbs.on_predict_end()
    return tree_to_host(outputs)


def _fits_one_batch(data, batch_size: int) -> bool:
    return _in_arrays(data) and data.num_samples <= batch_size and \
        distribution() is None


def _predict_arrays(engine, state, data, batch_size, steps, cbs):
    epoch = feed.epoch(data, batch_size, None, False)
    total = epoch.steps if steps is None else min(steps, epoch.steps)
    pieces, step = [], 0
    for k in fused.chunk_schedule(total, _steps_per_call(engine, cbs, total)):
        cbs.on_predict_batch_begin(step)
        (x, _, _), index, _, start = epoch.chunk(step, k)
        out = engine.predict_chunk(k)(state, x, index, start)
        epoch.submitted(out)
        pieces.append(jax.tree_util.tree_map(lambda a: a.reshape(-1, *a.shape[2:]), out))
        step += k
        cbs.on_predict_batch_end(step - 1, LazyLogs(lambda o=out: {"outputs": o}))
    joined = jax.tree_util.tree_map(lambda *a: jnp.concatenate(a), *pieces)
    rows = min(data.num_samples, total * batch_size)
    return jax.tree_util.tree_map(lambda a: a[:rows], joined)


def _predict_iterable(engine, state, batches, cbs):
    pieces, size = [], None
    for step, batch in enumerate(batches):
        rows = len(jax.tree_util.tree_leaves(batch[0])[0])
        size = size or _first_batch_size(rows)
        cbs.on_predict_batch_begin(step)
        x = pad_batch(batch, max(size, rows))[0]
        out = engine.predict_batch()(state, x)
        pieces.append(jax.tree_util.tree_map(lambda a: a[:rows], out))
        cbs.on_predict_batch_end(step, LazyLogs(lambda o=out: {"outputs": o}))
    if not pieces:
        raise errors.DataError("predict got no batches from the generator / PyDataset.")
    return jax.tree_util.tree_map(lambda *a: jnp.concatenate(a), *pieces)
