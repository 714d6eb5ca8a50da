"""Notifications pages."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
