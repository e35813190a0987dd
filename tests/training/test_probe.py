import threading

import numpy as np

from gdviz.training.probe import network_of


def test_one_network_per_shape_per_thread():
    a = network_of((4, 3, 2), "sigmoid", "mse")
    assert network_of([4, 3, 2], "sigmoid", "mse") is a
    b = network_of((4, 5, 2), "sigmoid", "mse")
    assert b is not a and b.sizes == (4, 5, 2)
    other = []
    t = threading.Thread(target=lambda: other.append(network_of((4, 3, 2), "sigmoid", "mse")))
    t.start(); t.join()
    assert other[0] is not a  # Network.gradient reuses buffers: never shared between threads


def test_cache_is_bounded():
    nets = [network_of((4, k, 2), "sigmoid", "mse") for k in range(1, 6)]
    assert network_of((4, 5, 2), "sigmoid", "mse") is nets[-1]
    assert network_of((4, 1, 2), "sigmoid", "mse") is not nets[0]
    x = np.zeros((1, 4))
    assert network_of((4, 1, 2), "sigmoid", "mse").forward(x)[-1].shape == (1, 2)


def test_a_thread_keeps_only_the_network_of_the_shape_it_last_used():
    import gc
    import weakref

    wide = weakref.ref(network_of((4, 300, 2), "sigmoid", "mse"))
    current = network_of((4, 3, 2), "sigmoid", "mse")  # the window left the wide shape
    gc.collect()
    assert wide() is None  # freed now, not after some other shape comes along
    assert network_of((4, 3, 2), "sigmoid", "mse") is current


def test_keep_only_frees_the_old_shape_held_by_an_idle_thread():
    """A hidden view's job thread evaluated a wide network and then waits: the window's
    keep_only(new shape) frees that network without the thread running again."""
    import gc
    import weakref

    from gdviz.training.probe import keep_only

    held, go = [], threading.Event()

    def idle_job():
        held.append(weakref.ref(network_of((4, 300, 2), "sigmoid", "mse")))
        go.wait(10)

    t = threading.Thread(target=idle_job)
    t.start()
    try:
        for _ in range(1000):
            if held:
                break
            threading.Event().wait(0.01)
        mine = network_of((4, 3, 2), "sigmoid", "mse")
        assert keep_only((4, 3, 2), "sigmoid", "mse") >= 1
        gc.collect()
        assert held[0]() is None
        assert network_of((4, 3, 2), "sigmoid", "mse") is mine  # the current shape stays
    finally:
        go.set()
        t.join()
