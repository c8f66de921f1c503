create table other (id int primary key);
insert into other values (1);
this is not sql;
