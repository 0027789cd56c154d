"""Cross-cutting pieces every domain uses: settings, database, errors, i18n, text and dates."""
