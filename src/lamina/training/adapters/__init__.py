"""Input adapters: every kind of data Keras's `fit` takes, turned into host batches for the
same feed. Each library's objects are recognised without importing it (detect.py)."""
