CREATE TABLE job (id int PRIMARY KEY, status varchar(10) NOT NULL);
