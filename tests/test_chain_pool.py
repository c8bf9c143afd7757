"""ChainPool.stream: chains step on without waiting for each other, round results stay in order, and closing
the stream stops the chains."""

import threading
import time

import pytest

from jaxwidgets.kernels.chain_pool import ChainPool


def test_a_chain_starts_its_next_round_while_another_is_still_in_its_first():
    # Chain 0's first round can only end once chain 1 has begun its second: in lock-step it never would.
    second_round_begun = threading.Event()
    waited: list[bool] = []

    def step(chain: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
        index, round_ = chain
        if (index, round_) == (1, 1):
            second_round_begun.set()
        if (index, round_) == (0, 0):
            waited.append(second_round_begun.wait(timeout=30))
        return (index, round_ + 1), (index, round_)

    pool = ChainPool(num_chains=2, threads=2)
    rounds = list(pool.stream(step, [(0, 0), (1, 0)], rounds=3))
    pool.close()
    assert waited == [True]
    assert [[result for _, result in outputs] for outputs in rounds] == [[(0, r), (1, r)] for r in range(3)]


def test_closing_the_stream_stops_the_chains_after_the_rounds_in_progress():
    calls: list[int] = []
    lock = threading.Lock()

    def step(chain: int) -> tuple[int, int]:
        with lock:
            calls.append(chain)
        time.sleep(0.005)  # 1000 rounds would take seconds
        return chain, chain

    pool = ChainPool(num_chains=6, threads=2)  # 6 chains on 2 threads: some wait in the pool's queue
    stream = pool.stream(step, list(range(6)), rounds=1000)
    next(stream)
    stream.close()
    pool.close()  # waits for nothing: the rounds in progress end on their own
    with lock:
        stopped_at = len(calls)
    assert stopped_at < 1000 * 6
    time.sleep(0.2)
    with lock:
        assert len(calls) <= stopped_at + 2  # the rounds in progress on the 2 threads, none of those queued


def test_an_error_in_a_chain_reaches_the_reader():
    def step(chain: int) -> tuple[int, int]:
        if chain == 1:
            raise FloatingPointError("chain 1 broke")
        return chain + 2, chain

    pool = ChainPool(num_chains=2, threads=2)
    with pytest.raises(FloatingPointError, match="chain 1 broke"):
        list(pool.stream(step, [0, 1], rounds=3))
    pool.close()


def test_one_thread_steps_the_chains_one_after_the_other():
    order: list[int] = []

    def step(chain: int) -> tuple[int, int]:
        order.append(chain)
        return chain, chain

    assert len(list(ChainPool(num_chains=2, threads=1).stream(step, [0, 1], rounds=2))) == 2
    assert order == [0, 1, 0, 1]


def test_a_finished_run_hands_the_chains_freed_memory_back(monkeypatch):
    import numpyro
    import numpyro.distributions as dist

    import jaxwidgets.posterior as posterior_module
    from jaxwidgets import Posterior

    calls: list[str] = []
    monkeypatch.setattr(posterior_module, "release_freed_memory", lambda: calls.append(widget.status))

    def model(scale):
        numpyro.sample("mu", dist.Normal(0.0, scale))

    widget = Posterior(model, 1.0, num_chains=2, num_warmup=20, num_samples=30)
    widget.wait()
    assert calls == ["done"]
    widget.close()
