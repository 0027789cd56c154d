"""The national registry: prefectures, municipalities, designated-city wards and the 11 regional blocks."""
