"""Records over time (health checks, awards, violations, counselling notes): placeholder router."""

from fastapi import APIRouter

router = APIRouter()
