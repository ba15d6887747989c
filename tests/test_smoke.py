def test_import():
    import docchat.main  # noqa: F401
