"""The shared template library: templates, versions, forks, ratings."""
