"""The one org model: path encoding and subtree move (paths), a service's tree copy (tree), scope (scope)."""
