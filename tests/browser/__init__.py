"""Real-browser tests (Playwright driving Debian's Chromium). A package, so that this
folder's ``conftest.py`` does not replace ``tests/conftest.py`` as the ``conftest`` module."""
