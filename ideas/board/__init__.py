"""Board: ideas, themes, comments, votes, follows and ranking."""
