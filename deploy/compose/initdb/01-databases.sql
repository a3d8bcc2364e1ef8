-- One database and one login role per service, so that no service can read
-- another's tables (DESIGN.md: "No service reads another's tables").
--
-- The postgres image runs this once, with psql as the superuser, when the data
-- volume is empty. Passwords come from the container's environment
-- (<SERVICE>_DB_PASSWORD, see docker-compose.yml and .env.example); an unset
-- variable leaves the psql variable undefined and the script stops with an
-- error instead of creating a role without a password.
\set ON_ERROR_STOP on

\getenv leads_password LEADS_DB_PASSWORD
\getenv deals_password DEALS_DB_PASSWORD
\getenv orders_password ORDERS_DB_PASSWORD
\getenv service_desk_password SERVICE_DESK_DB_PASSWORD
\getenv kpi_password KPI_DB_PASSWORD

CREATE ROLE leads LOGIN PASSWORD :'leads_password';
CREATE DATABASE leads OWNER leads;
REVOKE ALL ON DATABASE leads FROM PUBLIC;

CREATE ROLE deals LOGIN PASSWORD :'deals_password';
CREATE DATABASE deals OWNER deals;
REVOKE ALL ON DATABASE deals FROM PUBLIC;

CREATE ROLE orders LOGIN PASSWORD :'orders_password';
CREATE DATABASE orders OWNER orders;
REVOKE ALL ON DATABASE orders FROM PUBLIC;

CREATE ROLE service_desk LOGIN PASSWORD :'service_desk_password';
CREATE DATABASE service_desk OWNER service_desk;
REVOKE ALL ON DATABASE service_desk FROM PUBLIC;

CREATE ROLE kpi LOGIN PASSWORD :'kpi_password';
CREATE DATABASE kpi OWNER kpi;
REVOKE ALL ON DATABASE kpi FROM PUBLIC;
