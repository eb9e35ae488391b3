"""Views: one function per page (or section) returning a frozen, ready-to-render view; views never write."""
