"""Recognition: kudos, levels, contributor rolls, good first contributions."""
