"""chiiki-iot: 地域IoT実装推進プラットフォーム."""

__version__ = "0.1.0"
