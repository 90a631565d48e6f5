"""The steps of pmsync's GitHub Action (action.yml)."""
