// The PostgreSQL change log (serve --postgres). Compiled only with the PostgreSQL trait.
#if PostgreSQL
#endif
