"""DocChat Lab: the teaching tools. The app (`docchat`) never imports this package."""
