"""A backend wrapper that counts what the network reads, for tests of what a keystroke costs."""


class CountingStepper:
    """Wraps a backend and counts the ids it reads (`steps`) and its runs of the graph (`calls`): a run of
    RUN_TOKENS ids costs about two steps, so a cold read of many ids is cheaper than `steps` says."""

    def __init__(self, backend):
        self.backend, self.steps, self.calls = backend, 0, 0

    def initial_state(self):
        return self.backend.initial_state()

    def step(self, token_ids, state):
        self.steps += len(token_ids)
        self.calls += 1
        return self.backend.step(token_ids, state)
