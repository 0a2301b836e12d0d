"""The ``django`` scenario's host: a minimal Django project served under uvicorn (see ``asgi.py``)."""
