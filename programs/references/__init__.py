"""The reference program: stories, deals, reference requests, matching, attribution."""
