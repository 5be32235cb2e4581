"""Pure-Python value types and rules of the portfolio: identifiers, money, dates, the référentiel."""
