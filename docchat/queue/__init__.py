"""Where documents get processed: in the web process (BackgroundTasks) or on Celery workers."""
