"""Everything public: the disclosure rules and their guard (privacy) and the static public site built behind it (publish, site/)."""
