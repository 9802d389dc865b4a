"""Roster import and export (花名册): placeholder router, filled in by the roster work."""

from fastapi import APIRouter

router = APIRouter()
