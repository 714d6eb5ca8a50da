"""Main: the home page and site-wide actions such as the language switcher."""
