"""The web layer: app factory, layout, static assets and helpers shared by every domain's pages."""
