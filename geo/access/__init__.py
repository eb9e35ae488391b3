"""Who may log in in which role (users) and who viewed, exported or changed what (the access log)."""
