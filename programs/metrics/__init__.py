"""Program metrics, snapshots, dashboards and experiments."""
