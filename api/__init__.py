"""gkcase's HTTP face: a JSON API and (later) the server-rendered web UI, over the services."""
