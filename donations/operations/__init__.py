"""Running the service: its health check, its Prometheus metrics and the operators' alert emails."""
