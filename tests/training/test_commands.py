"""Session commands: the typed table, the one protocol, and the coalescing queue."""

from __future__ import annotations

import inspect
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdviz.training import commands as cmd
from gdviz.training.commands import CommandQueue
from gdviz.training.config import LESSON, TrainConfig
from gdviz.training.protocol import Session
from gdviz.training.remote import RemoteSession
from gdviz.training.session import TrainingSession


# ---------------------------------------------------------------- one table, one protocol
def test_every_command_type_has_exactly_one_handler():
    assert set(TrainingSession._HANDLERS) == set(cmd.COMMANDS)


def test_a_session_refuses_what_is_not_a_command(tiny):
    s = TrainingSession(tiny, LESSON)
    with pytest.raises(TypeError):
        s.send(("set", "lr", 0.1))  # the old string form
    with pytest.raises(TypeError):
        s.apply("run")
    assert s._commands.empty()


@pytest.mark.parametrize("cls", [TrainingSession, RemoteSession])
def test_both_sessions_implement_the_whole_protocol(cls, tiny):
    assert Session in cls.__mro__
    members = {n: v for n, v in vars(Session).items() if not n.startswith("_")}
    commands = {n for n, v in members.items() if callable(v) and "self.send(" in inspect.getsource(v)}
    assert {"run", "pause", "step", "set_lr", "reset", "load_theta", "pin_example"} <= commands
    own = set().union(*(vars(k) for k in cls.__mro__[:cls.__mro__.index(Session)]))
    missing = sorted(n for n in members if n not in commands and n not in own)
    assert not missing, f"{cls.__name__} does not implement {missing}"
    session = cls(tiny, LESSON, **({"start": False} if cls is RemoteSession else {}))
    try:
        assert all(hasattr(session, n) for n in Session.__annotations__)
    finally:
        if cls is RemoteSession:
            session.close()


def test_remote_session_has_no_forwarding_or_patching():
    import gdviz.training.remote as remote

    src = inspect.getsource(remote)
    assert "__getattr__" not in src and "_shadow.send =" not in src
    assert "._commands" not in src and "._pending" not in src and "._theta_override" not in src


def test_the_command_methods_check_values_in_the_callers_thread(tiny):
    from gdviz.training.config import SettingError

    s = TrainingSession(tiny, LESSON)
    for bad in (lambda: s.set_lr("abc"), lambda: s.set_batch_size(0), lambda: s.set_optimizer("adam!"),
                lambda: s.set_speed(-1), lambda: s.load_theta(np.zeros(3))):
        with pytest.raises(SettingError):
            bad()
    assert s._commands.empty()


# ---------------------------------------------------------------- the queue
def _drain(q: CommandQueue) -> list:
    out = []
    while (item := q.get()) is not None:
        out.append(item)
    return out


def test_the_latest_value_of_a_setting_wins_in_place():
    q = CommandQueue()
    for i in range(10_000):
        q.put(cmd.Set("lr", 0.001 * (i + 1)))
    q.put(cmd.Step(2))
    q.put(cmd.Set("lr", 0.5))  # across a Step: replaces the waiting one, where it waits
    q.put(cmd.PinExample(3))
    q.put(cmd.PinExample(None))
    assert _drain(q) == [cmd.Set("lr", 0.5), cmd.Step(2), cmd.PinExample(None)]


@pytest.mark.parametrize("clicks, waiting", [
    ([cmd.Run(), cmd.Run(), cmd.Pause(), cmd.Step(1), cmd.Step(2), cmd.Run()],
     [cmd.Pause(), cmd.Step(3), cmd.Run()]),
    ([cmd.Step(1), cmd.Step(2)], [cmd.Step(3)]),
    ([cmd.Run(), cmd.Step(0)], [cmd.Run(), cmd.Step(0)]),  # (Run clears the message; Step 0 pauses)
    ([cmd.Run(), cmd.Pause(), cmd.Run(), cmd.Pause()], [cmd.Run(), cmd.Pause()]),
    ([cmd.Step(2), cmd.StepEpoch(), cmd.StepEpoch(), cmd.Run()],
     [cmd.Step(2), cmd.StepEpoch(), cmd.StepEpoch(), cmd.Run()]),
])
def test_run_pause_and_step_reduce_to_their_effect_in_order(clicks, waiting):
    q = CommandQueue()
    for c in clicks:
        q.put(c)
    assert _drain(q) == waiting


def test_clicks_on_a_stopped_consumer_do_not_pile_up():
    q = CommandQueue()
    for i in range(10_000):
        q.put((cmd.Run(), cmd.Pause(), cmd.Step(1), cmd.Set("lr", 1.0 + i % 7), cmd.PinExample(i))[i % 5])
        q.put(cmd.RestoreLastFinite())
    # the first Run, one restore, then a Set, a pin and the reduced motion
    assert len(q) == 5
    q.put(cmd.Reset(None))
    q.put(cmd.Reset(None))
    q.put(cmd.RestoreLastFinite())  # nothing to restore after a reset
    assert len(q) == 6 and q.dropped == 0


def test_nothing_moves_across_a_reset():
    q = CommandQueue()
    for c in (cmd.Set("lr", 1.0), cmd.Reset(None), cmd.Set("lr", 2.0), cmd.Set("batch_size", 5),
              cmd.Set("lr", 3.0)):
        q.put(c)
    assert _drain(q) == [cmd.Set("lr", 1.0), cmd.Reset(None), cmd.Set("lr", 3.0), cmd.Set("batch_size", 5)]


def test_a_full_queue_drops_and_counts_but_never_a_stop():
    q = CommandQueue(limit=3)
    assert all(q.put(c) for c in (cmd.Run(), cmd.StepEpoch(), cmd.Pause()))
    assert not q.put(cmd.StepEpoch()) and q.dropped == 1
    assert q.put(cmd.Set("lr", 1.0)) is False and q.dropped == 2
    assert q.put(cmd.Step(2))  # joins the waiting Pause
    assert q.put(cmd.Stop())
    assert q.counts() == (4, 0)
    assert _drain(q) == [cmd.Run(), cmd.StepEpoch(), cmd.Pause(), cmd.Step(2), cmd.Stop()]
    assert q.counts() == (0, 5)


def test_other_items_keep_their_place_and_are_not_counted():
    q = CommandQueue()
    q.put(cmd.Set("lr", 1.0))
    q.put("tap")  # a consumer's own message: a barrier
    q.put(cmd.Set("lr", 2.0))
    assert _drain(q) == [cmd.Set("lr", 1.0), "tap", cmd.Set("lr", 2.0)]
    assert q.taken == 2


def test_get_waits_for_a_command_from_another_thread():
    q = CommandQueue()
    threading.Timer(0.05, q.put, args=(cmd.Run(),)).start()
    assert q.get(timeout=30) == cmd.Run()
    assert q.get(timeout=0.01) is None


_SETTINGS = st.one_of(
    st.builds(cmd.Set, st.just("lr"), st.sampled_from([0.01, 0.5, 3.0])),
    st.builds(cmd.Set, st.just("batch_size"), st.integers(1, 50)),
    st.builds(cmd.Set, st.just("optimizer"), st.sampled_from(["sgd", "momentum", "gd"])),
    st.builds(cmd.Set, st.just("steps_per_second"), st.sampled_from([0.0, 100.0])),
    st.builds(cmd.Set, st.just("eval_every"), st.sampled_from([0, 50])),
    st.builds(cmd.PinExample, st.one_of(st.none(), st.integers(0, 500))),
)
_COMMANDS = st.one_of(
    _SETTINGS, st.just(cmd.Run()), st.just(cmd.Pause()), st.builds(cmd.Step, st.integers(0, 5)),
    st.just(cmd.StepEpoch()), st.just(cmd.Reset(None)), st.builds(cmd.Reseed, st.integers(0, 3)),
    st.just(cmd.RestoreLastFinite()),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_COMMANDS, max_size=40))
def test_coalesced_commands_leave_the_state_they_leave_one_by_one(tiny, commands):
    """Commands that wait together are applied together: coalescing them must
    give the same settings, run state, steps to do, example and θ0."""
    one_by_one = TrainingSession(tiny, TrainConfig(hidden=(4,)), publish_hz=0)
    coalesced = TrainingSession(tiny, TrainConfig(hidden=(4,)), publish_hz=0)
    q = CommandQueue()
    for c in commands:
        one_by_one.apply(c)
        q.put(c)
    waiting = _drain(q)
    assert len(waiting) <= len(commands)
    for c in waiting:
        coalesced.apply(c)
    a, b = one_by_one.status(), coalesced.status()
    assert (a.config, a.running, a.pending) == (b.config, b.running, b.pending)
    assert one_by_one.pinned == coalesced.pinned
    assert one_by_one.snapshot().message == coalesced.snapshot().message
    assert np.array_equal(one_by_one.initial_theta, coalesced.initial_theta)
