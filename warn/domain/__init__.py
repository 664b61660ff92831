"""The pure core of warn: standard library only, every clock reading passed in as `now`."""
