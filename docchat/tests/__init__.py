"""DocChat's own tests: the ones you write in stage 08, against an app built fresh for each."""
