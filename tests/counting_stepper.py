"""A backend wrapper that counts model steps, for tests of what a keystroke costs."""


class CountingStepper:
    """Wraps a backend and counts model steps."""

    def __init__(self, backend):
        self.backend, self.steps = backend, 0

    def initial_state(self):
        return self.backend.initial_state()

    def step(self, token_ids, state):
        self.steps += len(token_ids)
        return self.backend.step(token_ids, state)
