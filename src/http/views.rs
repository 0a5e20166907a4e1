//! How people appear in responses. Which view a handler uses decides what it reveals: only the
//! owner's view carries the e-mail address, phone number, role and active flag.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::users::UserRecord;
use crate::domain::time::rfc3339;
use crate::http::context::absolute;

/// A user as its owner sees it: the public view plus what only the owner may read.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnUser {
    #[serde(flatten)]
    pub public: PublicUser,
    pub email: String,
    pub phone: Option<String>,
    /// The user type, or `admin` for administrators.
    pub role: String,
    pub is_active: bool,
}

impl From<&UserRecord> for OwnUser {
    fn from(u: &UserRecord) -> Self {
        Self {
            public: PublicUser::from(u),
            email: u.email.clone(),
            phone: u.phone.clone(),
            role: u.role().to_owned(),
            is_active: u.is_active,
        }
    }
}

/// A user as anyone else sees it: no e-mail address, phone number, role or active flag.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub username: String,
    /// `freelancer`, `client`, `employer` or `recruiter`.
    pub user_type: String,
    pub is_admin: bool,
    pub location: Option<String>,
    pub bio: Option<String>,
    pub skills: Option<String>,
    pub experience: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub company_name: Option<String>,
    pub avatar_url: Option<String>,
    pub is_available_for_hire: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
}

impl From<&UserRecord> for PublicUser {
    fn from(u: &UserRecord) -> Self {
        let p = &u.profile;
        Self {
            id: u.id,
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            username: u.username.clone(),
            user_type: u.user_type.clone(),
            is_admin: u.is_admin,
            location: p.location.clone(),
            bio: p.bio.clone(),
            skills: p.skills.clone(),
            experience: p.experience.clone(),
            education: p.education.clone(),
            occupation: p.occupation.clone(),
            company_name: p.company_name.clone(),
            avatar_url: u.avatar_url.as_deref().map(absolute),
            is_available_for_hire: u.is_available_for_hire,
            created_at: rfc3339(u.created_at),
            updated_at: rfc3339(u.updated_at),
        }
    }
}

/// A person as embedded in posts, comments, messages and jobs.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct UserSummary {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub username: String,
    pub avatar_url: Option<String>,
    pub occupation: Option<String>,
    pub company_name: Option<String>,
}

impl From<crate::db::summary::Summary> for UserSummary {
    fn from(s: crate::db::summary::Summary) -> Self {
        Self {
            id: s.id,
            first_name: s.first_name,
            last_name: s.last_name,
            username: s.username,
            avatar_url: s.avatar_url.as_deref().map(absolute),
            occupation: s.occupation,
            company_name: s.company_name,
        }
    }
}
