"""The roadmap: fields, sector models, fiscal-year plans and KPIs, kept per revision."""
