"""Operations: health and readiness probes, metrics, the `newsalert health` command, AsyncAPI documents."""
