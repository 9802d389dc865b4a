"""Registry service (档案): the org tree, children's archives and their term results."""
