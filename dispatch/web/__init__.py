"""The web consoles' home: pages (HTML shells) and static files (ES modules, CSS, Leaflet), served by the app.

Screens talk to the public API only (`static/api.js`); this package adds no data endpoints. Leaflet comes
from the `xstatic-leaflet` package, so nothing is fetched from a CDN.
"""
