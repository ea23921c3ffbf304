//! Statements whose length depends on the data (multi-row inserts, in-lists), written with each
//! database's own placeholders (`?` in SQLite, `$n` in PostgreSQL) as their values are bound.
//! sqlx's `QueryBuilder` does the same, but keeps the text borrowed in a way that code generic
//! over the database cannot run; this one hands back the text and the values.

use concord_store::StoreError;
use sqlx::{Arguments as _, Database, Encode, Type};

/// A statement being written.
pub(crate) struct Statement<'a, DB: Database> {
    sql: String,
    args: DB::Arguments<'a>,
    /// The first value that could not be bound, reported by [`Statement::finish`].
    error: Option<String>,
}

impl<'a, DB: Database> Statement<'a, DB> {
    pub(crate) fn new(sql: &str) -> Self {
        Self { sql: sql.to_owned(), args: Default::default(), error: None }
    }

    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Binds a value where the text has got to.
    pub(crate) fn bind<T: Encode<'a, DB> + Type<DB> + 'a>(&mut self, value: T) -> &mut Self {
        if let Err(e) = self.args.add(value) {
            self.error.get_or_insert(e.to_string());
        }
        if self.args.format_placeholder(&mut self.sql).is_err() {
            self.error.get_or_insert("a placeholder could not be written".into());
        }
        self
    }

    /// Binds the next value of a parenthesised list: `(a` then `, b`.
    pub(crate) fn value<T: Encode<'a, DB> + Type<DB> + 'a>(&mut self, value: T) -> &mut Self {
        if !self.sql.ends_with('(') {
            self.sql.push_str(", ");
        }
        self.bind(value)
    }

    /// Opens the next row of a multi-row `VALUES`: `(` then `, (`; close it with `)`.
    pub(crate) fn row(&mut self) -> &mut Self {
        self.push(if self.sql.ends_with(')') { ", (" } else { "(" })
    }

    /// The text and the values, to run with `sqlx::query_with(&sql, args)`.
    pub(crate) fn finish(self) -> Result<(String, DB::Arguments<'a>), StoreError> {
        match self.error {
            Some(e) => Err(StoreError::Other(format!("cannot bind a value: {e}"))),
            None => Ok((self.sql, self.args)),
        }
    }
}
