"""The only package that imports SQLAlchemy and Alembic: records, repositories, the unit of work,
database set-up and migrations, and reading procedure folders from disk.
"""
