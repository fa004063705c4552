"""The hostile-input suite: one module per class of input that could give a wrong answer."""
