"""Portal views, one module per page family. They validate, call one service, and render."""
