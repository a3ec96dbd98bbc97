"""training/interrupts.py: Ctrl-C held back until a donating call's outputs are assigned."""

import signal
import threading

import pytest

from lamina.training import interrupts


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
