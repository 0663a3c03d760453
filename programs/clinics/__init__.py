"""Clinic Q&A: questions and answers between champions."""
