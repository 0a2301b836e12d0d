"""Reproducible training of the models that ship in ``enkrypt_middleware/detectors/models/``.

Needs the ``train`` extra (NumPy, scikit-learn) and the development data in ``../shared/data``; run a
script as a module from the repository root, e.g. ``python -m training.train_injection``.
"""
