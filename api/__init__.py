"""The operations API: reads PostgreSQL, writes only to the `commands` stream and config versions."""
