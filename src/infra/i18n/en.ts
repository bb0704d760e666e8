import type { MessageKey } from './es.js';
import { brandEn } from './parts/brand.js';
import { addressEn } from './parts/address.js';
import { contactEn } from './parts/contact.js';
import { integrationEn } from './parts/integration.js';
import { oidcEn } from './parts/oidc.js';
import { feedEn } from './parts/feed.js';
import { securityEn } from './parts/security.js';
import { backofficeEn } from './parts/backoffice.js';
import { backofficeMembersEn } from './parts/backoffice-members.js';
import { backofficeApiKeysEn } from './parts/backoffice-api-keys.js';
import { backofficeOidcClientsEn } from './parts/backoffice-oidc-clients.js';
import { staffPasswordEn } from './parts/staff-password.js';
import { helpEn } from './parts/help.js';
import { passkeysEn } from './parts/passkeys.js';
import { awarenessEn } from './parts/awareness.js';
import { certificateEn } from './parts/certificate.js';
import { requestsEn } from './parts/requests.js';
import { requestsMemberEn } from './parts/requests-member.js';
import { directoryEn } from './parts/directory.js';
import { dataAccessEn } from './parts/data-access.js';
import { requestTrackingEn } from './parts/request-tracking.js';
import { documentsEn } from './parts/documents.js';
import { yourDataEn } from './parts/your-data.js';
import { lookEn } from './parts/look.js';

// English (R20). Typed against the Spanish catalog, so a missing or extra key fails the build.
const core: Omit<
  Record<MessageKey, string>,
  | keyof typeof securityEn
  | keyof typeof certificateEn
  | keyof typeof contactEn
  | keyof typeof addressEn
  | keyof typeof backofficeEn
  | keyof typeof backofficeMembersEn
  | keyof typeof integrationEn
  | keyof typeof oidcEn
  | keyof typeof backofficeApiKeysEn
  | keyof typeof backofficeOidcClientsEn
  | keyof typeof staffPasswordEn
  | keyof typeof helpEn
  | keyof typeof passkeysEn
  | keyof typeof feedEn
  | keyof typeof brandEn
  | keyof typeof awarenessEn
  | keyof typeof requestsEn
  | keyof typeof requestsMemberEn
  | keyof typeof directoryEn
  | keyof typeof dataAccessEn
  | keyof typeof requestTrackingEn
  | keyof typeof documentsEn
  | keyof typeof yourDataEn
  | keyof typeof lookEn
> = {
  'lang.name': 'English',
  'lang.switch': 'Change language',
  'layout.skip': 'Skip to main content',
  'layout.home': 'Home',
  'layout.support': 'Need help? Write to us at {{email}}.',
  'layout.supportPhone': 'Or call us on {{phone}}.',
  'layout.rights': '© {{year}} {{brand}}',

  'nav.private': 'Your private area',
  'nav.home': 'Home',
  'nav.contact': 'Contact details',
  'nav.security': 'Security',
  'home.title': 'Your private area',
  'home.lead':
    'Check your policy and digital card, keep your contact details up to date and look after your children’s areas, all in one place.',
  'home.signIn': 'Sign in',
  'home.register': 'Register',
  'home.registerHint':
    'To register you need your member number, your policy number and your date of birth. You will find them in your welcome email or on your member card.',
  'home.whoTitle': 'Who can register?',
  'home.whoBody':
    'Any member aged 18 or over. Children’s areas are managed by their legal guardians, when they are registered and on the same policy, through the member drop-down menu.',
  'home.twoStepTitle': 'Two-step verification',
  'home.twoStepBody':
    'After your password we ask for a code that we send you by email or text message, whichever you prefer. So even someone who knew your password could not get in.',
  'home.intlTitle': 'Is your policy international or for expatriates?',
  'home.intlBody':
    'Another team looks after those policies. Write to {{email}} and they will tell you which channels are open to you.',
  'home.intlPhone': 'Phone: {{phone}}.',

  'error.notFound.title': 'We could not find this page',
  'error.notFound.body': 'The address may be mistyped, or the page may no longer exist.',
  'error.badRequest.title': 'We could not process the request',
  'error.badRequest.body': 'The data sent was not in the expected format. Go back to the previous page and try again.',
  'error.tooLarge.title': 'Too much data was sent',
  'error.tooLarge.body': 'The form is larger than allowed. Check the fields and try again.',
  'legal.privacy': 'Privacy notice',
  'legal.legalNotice': 'Legal notice',
  'legal.cookies': 'Cookie policy',
  'legal.accessibility': 'Accessibility statement',
  'register.privacyNote':
    'We will use these details to give you access to your private area and to write to you about your account. More in the',
  'error.cookies.title': 'Cookies need to be turned on',
  'error.cookies.body':
    'Your browser sent us back no cookie, so we cannot go on with the form. Turn cookies on for this website (we use them only to keep you signed in, to protect you from forged forms and to remember your language), reload the page and send the form again.',
  'error.csrf.title': 'The form has expired',
  'error.csrf.body': 'For your security, reload the page and send the form again.',
  'error.rateLimited.title': 'Too many attempts',
  'error.rateLimited.body': 'Please wait a few minutes before trying again.',
  'error.server.title': 'Something went wrong',
  'error.server.body': 'It is not your fault. Try again in a few minutes; if the problem persists, write to us.',
  'error.backHome': 'Back to the home page',
  'error.reference': 'Error reference: {{id}}',

  'form.errorSummary': 'Please check the following',
  'form.continue': 'Continue',
  'form.back': 'Back',
  'field.invalid': 'This value is not valid.',
  'field.required': 'This field is required.',
  'field.too_long': 'This is too long: {{max}} characters at most.',
  'field.invalid_format': 'Use letters and digits only.',
  'field.document_type_invalid': 'Choose the document type.',
  'field.nif_format': 'A NIF has 8 digits and a letter, for example 12345678Z.',
  'field.nif_letter': 'The letter does not match this NIF. Check the number.',
  'field.nie_format': 'A NIE starts with X, Y or Z, then 7 digits and a letter, for example X1234567L.',
  'field.nie_letter': 'The letter does not match this NIE. Check the number.',
  'field.passport_format': 'A passport number has 6 to 20 letters and digits, with no symbols.',
  'field.date_invalid': 'Enter a valid date, such as 31/12/1980.',
  'field.postal_code_invalid': 'A Spanish postal code has 5 digits and starts with 01 to 52.',
  'field.phone_invalid': 'This phone number is not valid.',
  'field.phone_not_mobile': 'Enter a mobile number: that is where we send text messages.',
  'field.email_invalid': 'This email address is not valid.',

  'field.document_mismatch': 'This does not match the document on your policy. Enter that same document.',
  'field.document_taken': 'This document is already registered to someone else.',
  'field.password_rules': 'The password does not meet every condition in the list.',
  'field.password_mismatch': 'The two passwords do not match.',
  'field.captcha_missing': 'Complete the security check.',
  'field.captcha_invalid': 'The security check is not valid or has expired. Please do it again.',
  'field.captcha_wait': 'You went on too quickly. Wait a few seconds and send the form again.',
  'field.captcha_limited':
    'Without the verification box only a few tries an hour are allowed from your connection. Turn JavaScript on, use an up-to-date browser or try again later.',

  'captcha.label': 'Security check',
  'captcha.noscript':
    'If your browser does not show the verification box (JavaScript off, or an older browser), the security check is a wait: take your time and do not continue before {{seconds}} seconds. This way there are fewer tries an hour.',

  'register.title': 'Register for your private area',
  'register.progress': 'Registration progress',
  'register.step1': 'Identification',
  'register.step2': 'Your details',
  'register.step3': 'Password',
  'register.intro': 'Start by identifying yourself with your policy details.',
  'register.memberNumber': 'Member number',
  'register.memberNumberHint': 'It is on your card and in your welcome email. You can type it with or without hyphens.',
  'register.birthDate': 'Date of birth',
  'register.birthDateHint': 'For example, 31/12/1980.',
  'register.policyNumber': 'Policy number',
  'register.expired':
    'For your security, registration starts over after 30 minutes without finishing. Please start again.',
  'register.mismatchTitle': 'We could not find those details',
  'register.mismatch': 'The details do not match any member. Check the member number, date of birth and policy number.',
  'register.mismatchHelp': 'If you do not have them to hand, write to us at {{email}}.',
  'register.captchaNeeded': 'There have been several unsuccessful attempts. Complete the security check to continue.',
  'register.whereData':
    'Your member number and policy number are in your welcome email and on your member card. If you have neither, write to us at {{email}}.',
  'register.haveAccount': 'Already registered?',
  'register.tooMany':
    'We have received too many identification attempts. For your security, please wait an hour before trying again.',
  'register.forgot': 'Forgot your password?',
  'register.minor.title': 'Minors do not register',
  'register.minor.body':
    'A member under 18 is looked after by their legal guardian from the guardian’s own private area, using the member drop-down menu, when the guardian is registered and on the same policy. You can register yourself once you turn 18.',
  'register.intl.title': 'Your policy is served elsewhere',
  'register.intl.body':
    'International and expatriate policies have their own customer service. Write to {{email}} and they will tell you which channels are open to you.',
  'register.cancelled.title': 'This policy has been cancelled',
  'register.cancelled.body':
    'You cannot register with a cancelled policy. If you think this is a mistake, write to us at {{email}}.',
  'register.registered.title': 'You already have an account',
  'register.registered.body':
    'You are already registered. Sign in with your identity document and password; if you do not remember it, you can set a new one.',
  'register.detailsTitle': 'Confirm your details',
  'register.detailsIntro':
    'Check your contact details and correct them if they have changed. Then enter your identity document: it will be your username.',
  'register.addressLegend': 'Postal address',
  'register.contactLegend': 'Contact details',
  'register.email': 'Email',
  'register.mobile': 'Mobile (optional)',
  'register.mobileHint': 'To receive verification codes by text message.',
  'register.documentLegend': 'Identity document',
  'register.documentHint': 'Your NIF, NIE or passport will be your username for the private area.',
  'register.documentOnRecord':
    'Enter the identity document you gave us when you took out the policy. It will be your username.',
  'register.documentType': 'Document type',
  'register.documentTypeChoose': 'Choose one',
  'register.docNif': 'NIF / DNI',
  'register.docNie': 'NIE',
  'register.docPassport': 'Passport',
  'register.documentNumber': 'Document number',
  'register.documentTakenHelp': 'If the document is yours, write to us at {{email}} and we will look into it.',
  'register.returning.title': 'You already had an account',
  'register.returning.body':
    'This document is already your username from an earlier policy. You do not need to register again.',
  'register.returning.next':
    'Sign in with your usual password: once you have signed in, your new policy is added to your account. If you do not remember the password, you can set a new one.',
  'register.passwordTitle': 'Choose your password',
  'register.passwordIntro': 'Your password is personal: do not share it with anyone.',
  'register.yourUsername': 'Your username',
  'register.create': 'Create my account',
  'register.backToDetails': 'Back to my details',
  'register.done.title': 'Registration complete',
  'register.done.body': 'Your account is ready.',
  'register.done.email': 'We have sent a confirmation to {{email}}.',
  'register.done.next':
    'Now sign in with your document and password. We will ask for a verification code sent by email or text message.',
  'register.alreadyDone': 'This registration has already been completed. Sign in with your document and password.',

  'password.rulesIntro': 'Your password must:',
  'password.rule.length': 'be 8 to 64 characters long',
  'password.rule.charset': 'use only letters without accents (no ñ) and digits, with no spaces or symbols',
  'password.rule.digit': 'include at least one digit',
  'password.rule.upper': 'include at least one upper-case letter',
  'password.rule.lower': 'include at least one lower-case letter',
  'password.rule.notCommon': 'not be a very common password or word',
  'password.rule.noPersonal': 'not contain your document, member number or date of birth',
  'password.rule.history': 'not be any of your last 20 passwords',
  'password.met': 'met',
  'password.unmet': 'not met',
  'password.new': 'Password',
  'password.confirm': 'Repeat the password',
  'password.personal': 'You can paste the password or let your password manager create one.',

  'email.greeting': 'Hello {{name}},',
  'email.registered.subject': 'Your {{brand}} account is ready',
  'email.registered.body': 'You have completed your registration for the private area.',
  'email.registered.username': 'Your username is your identity document: {{username}}.',
  'email.registered.twoStep':
    'Each time you sign in, after your password we will ask for a code that we send by email or text message.',
  'email.registered.cta': 'Go to my private area',
  'email.registered.notYou': 'If this was not you, write to us at {{email}} as soon as possible.',
  'email.registeredNotice.subject': 'An account was created with your details at {{brand}}',
  'email.registeredNotice.body':
    'An account for the private area was created with your member details, giving {{email}} as the contact address.',
  'email.registeredNotice.notYou': 'If this was not you, write to us at {{email}} as soon as possible.',

  'field.code_wrong': 'The code is not correct. You have {{remaining}} tries left.',
  'field.code_expired': 'The code has expired or is no longer valid. Ask for a new one.',

  'signin.title': 'Sign in',
  'signin.username': 'Identity document',
  'signin.usernameHint': 'Your NIF, NIE or passport, the one you gave when you registered.',
  'signin.password': 'Password',
  'signin.submit': 'Sign in',
  'signin.noAccount': 'No account yet?',
  'signin.failed': 'The document or the password is not correct.',
  'signin.locked':
    'For your security, signing in with this document is paused for a few minutes after several failed attempts. Try again in 15 minutes, or set a new password.',
  'signin.addressLimited':
    'We have received too many attempts from your connection. Please wait an hour before trying again.',
  'signin.disabled': 'Your account is disabled. Write to us at {{email}} to have it re-enabled.',
  'signin.sessionExpired': 'Your session expired after a period of inactivity. Sign in again to continue.',
  'signin.restart': 'For your security, please start signing in again.',
  'signin.signedOut': 'You have signed out.',
  'signin.flowExpired': 'The sign-in has expired. Please start again.',
  'signin.captchaNeeded': 'There have been several unsuccessful attempts. Complete the security check to continue.',

  'verify.title': 'Two-step verification',
  'verify.chooseIntro':
    'To protect your account, we will send you a one-time code. Choose where you want to receive it.',
  'verify.chooseIntroNoSend': 'To protect your account, confirm it is you in one of these ways.',
  'verify.chooseLegendNoSend': 'How to confirm',
  'verify.continue': 'Continue',
  'verify.chooseLegend': 'Send the code',
  'verify.byEmail': 'By email to {{to}}',
  'verify.bySms': 'By text message to {{to}}',
  'verify.byTotp': 'With the code from my authenticator app',
  'verify.codeIntroTotp': 'Open your authenticator app and enter the 6-digit code it shows now for your account.',
  'verify.switchTotp': 'Use my authenticator app',
  'verify.send': 'Send the code',
  'verify.sentEmail': 'We have sent a code to {{to}}.',
  'verify.sentSms': 'We have sent a code by text message to {{to}}.',
  'verify.codeIntroEmail':
    'Enter the 6-digit code we sent to {{to}}, or follow the link in the email from this same browser. It expires in 10 minutes.',
  'verify.codeIntroSms': 'Enter the 6-digit code we sent by text message to {{to}}. It expires in 10 minutes.',
  'verify.code': 'Verification code',
  'verify.codeHint': '6 digits. You can paste it.',
  'verify.confirm': 'Verify',
  'verify.resend': 'Send another code',
  'verify.switchEmail': 'Get it by email ({{to}})',
  'verify.switchSms': 'Get it by text message ({{to}})',
  'verify.resendWait': 'Please wait 30 seconds before asking for another code.',
  'verify.hourlyLimit':
    'We have sent your account all the codes we send in an hour, so we cannot send another now. You can ask for one in {{count}} min. If a code already reached you in this sign-in, you can still use it.',
  'verify.addressLimit':
    'Your connection has asked for all the codes we send in an hour, so we cannot send another now. You can ask for one in {{count}} min. If a code already reached you in this sign-in, you can still use it.',
  'verify.hourlyLimitOthers':
    'Meanwhile you can confirm with your authenticator app or a passkey: nothing needs to be sent to you.',
  'verify.startAgain': 'Back to the sign-in page',
  'verify.sendLimit':
    'We have already sent you 3 codes for this sign-in. Use the last one you received, or start again later.',
  'verify.otherBrowser.title': 'Open the link in the same browser',
  'verify.otherBrowser.body':
    'For your security, the link only works in the browser where you entered your password. Go back to that browser and follow the link there, or type the code from the email.',
  'verify.linkExpired':
    'This link has already been used, has expired, or was replaced by a newer one. Sign in again to get a new one.',

  'help.title': 'Help',
  'help.noEmail.title': 'I did not get the verification email',
  'help.noEmail.1': 'Wait a couple of minutes: email sometimes takes a while to arrive.',
  'help.noEmail.2': 'Look in your spam or promotions folder.',
  'help.noEmail.3':
    'Check that the address we show you is yours. If it has changed, you can choose a text message or write to us.',
  'help.noEmail.4': 'You can ask for another code after 30 seconds, up to 3 times per sign-in.',
  'help.noSms.title': 'I did not get the text message',
  'help.noSms.1': 'Check that you have signal and that the mobile number we show you is yours.',
  'help.noSms.2': 'Wait a couple of minutes; if it does not arrive, ask for another code or choose email instead.',
  'help.noSms.3': 'Some phones filter messages from unknown senders: check that folder.',
  'help.noSms.4':
    'If you have changed your number, sign in with the email code and update your mobile in your contact details.',
  'help.expired.title': 'My link or code has expired',
  'help.expired.1': 'Sign-in codes and links expire after 10 minutes and work only once.',
  'help.expired.2': 'Each new code cancels the earlier ones: always use the latest you receive.',
  'help.expired.3': 'To get a new one, sign in again with your document and password.',
  'help.contact': 'If you still cannot sign in, write to us at {{email}}.',

  'area.title': 'Your private area',
  'area.greeting': 'Hello {{name}}',
  'area.policies': 'Your policies',
  'area.noPolicies': 'There is no policy linked to your account.',
  'area.policyNumber': 'Policy number',
  'area.status': 'Status',
  'area.active': 'Active',
  'area.cancelled': 'Cancelled',
  'area.since': 'Since',
  'area.until': 'Until',
  'area.security': 'Security',
  'area.people': 'Insured people you can see',
  'area.peopleSelf': 'you',
  'area.peopleRecord': 'Member no. {{member}} on policy {{policy}} ({{product}})',
  'area.peopleMinor': 'minor in your care',
  'area.manage': 'Manage your account',
  'area.forbidden.title': 'You cannot see this information',
  'area.forbidden.body':
    'You can only see your own details and those of the minors you are guardian of on your policy.',
  'card.title': 'Member card',
  'card.titleMany': 'Your member cards',
  'card.printPolicy': 'Open the card of policy {{policy}} to print it',
  'card.memberNumber': 'Member no.',
  'card.policyNumber': 'Policy no.',
  'card.product': 'Product',
  'card.birthDate': 'Date of birth',
  'card.print': 'Open the card to print it',
  'card.printHint': 'You can print this page, or show it on your phone at your medical centre.',
  'selector.label': 'Show the area of',
  'selector.you': 'you',
  'selector.switch': 'Switch',
  'selector.viewing': 'You are viewing the area of {{name}}.',
  'username.title': 'Your username',
  'username.current': 'Your username is your identity document ({{type}} {{number}}).',
  'username.body':
    'If you have changed document (from NIE to NIF, for example), our Customer Service changes the username for you and updates it on your policy too.',
  'username.contact': 'Write to us at {{email}} with your old and new document.',
  'area.signOut': 'Sign out',

  'sms.signInCode':
    '{{brand}}: your verification code is {{code}}. It expires in 10 minutes. Do not share it with anyone.',
  'email.signInCode.subject': '{{code}} is your {{brand}} verification code',
  'email.signInCode.intro': 'Here is your code to finish signing in to your private area:',
  'email.signInCode.valid': 'It expires in 10 minutes and works only once.',
  'email.signInCode.orLink': 'You can also finish signing in with this link:',
  'email.signInCode.cta': 'Finish signing in',
  'email.signInCode.sameBrowser': 'The link only works in the browser where you entered your password.',
  'email.signInCode.notYou':
    'If you are not trying to sign in, someone knows your password: change it as soon as possible. We will never ask you for this code by phone.',
  'email.locked.subject': 'We have paused sign-in to your {{brand}} account',
  'email.locked.body':
    'There were 10 failed attempts in a row to sign in to your account (a wrong password or a wrong verification code). For your security, sign-in is paused for {{minutes}} minutes.',
  'email.locked.bodyCode':
    'Someone entered your password correctly and then a wrong verification code too many times. For your security, sign-in is paused for {{minutes}} minutes.',
  'email.locked.ifNotYouCode':
    'If it was not you, someone knows your password: set a new one now with the button above. If you are worried, write to us at {{email}}.',
  'email.locked.ifYou': 'If it was you and you do not remember your password, you can set a new one:',
  'email.locked.cta': 'Set a new password',
  'email.locked.ifNotYou':
    'If it was not you, your account is still protected by two-step verification. If you are worried, write to us at {{email}}.',

  'field.password_reused': 'You cannot reuse any of your last 20 passwords.',
  'field.current_password_wrong': 'The current password is not correct.',

  'recovery.title': 'Recover your password',
  'recovery.intro': 'Enter the identity document you registered with and complete the security check.',
  'recovery.flowExpired': 'The request has expired. Please start again.',
  'recovery.limited': 'We have received too many requests. Please wait an hour before trying again.',
  'recovery.sendIntro':
    'Press send and we will email you a link to set a new password. The link works once and expires after 24 hours.',
  'recovery.send': 'Send',
  'recovery.sentTitle': 'Check your email',
  'recovery.sent':
    'If that document belongs to an account, we have sent an email with a link to set a new password. It expires in 24 hours.',
  'recovery.sentHelp':
    'If it does not arrive within a few minutes, check your spam folder or write to us at {{email}}.',
  'recovery.invalidTitle': 'This link no longer works',
  'recovery.invalid':
    'The link has already been used, has expired, or was replaced by a newer one. You can ask for another.',
  'recovery.again': 'Ask for a new link',
  'recovery.resetTitle': 'Set a new password',
  'recovery.save': 'Save the password',
  'recovery.passkeys.legend': 'Passkeys on your account',
  'recovery.passkeys.intro':
    'A passkey signs in without a password, so a new password does not stop one. Tick any passkey you do not recognise, and it will be removed with the new password. Those added in the last 7 days come ticked: untick the ones that are yours.',
  'recovery.passkeys.remove': 'Remove “{{name}}” (added {{date}})',
  'recovery.doneTitle': 'Password changed',
  'recovery.done':
    'Your password has been changed and all your sessions have been closed. Sign in with the new password.',

  'change.title': 'Change your password',
  'change.intro': 'When you change it, your sessions on other devices will be closed.',
  'change.current': 'Current password',
  'change.save': 'Change the password',
  'change.done': 'Your password has been changed. Your other sessions have been closed.',
  'change.back': 'Back to your private area',

  'email.recovery.subject': 'Set a new password for {{brand}}',
  'email.recovery.intro': 'We have received a request to set a new password for your private area.',
  'email.recovery.cta': 'Set a new password',
  'email.recovery.valid':
    'The link expires in 24 hours and works only once. If you ask for another, this one stops working.',
  'email.recovery.notYou': 'If you did not ask for this, ignore this email: your password will not change.',
  'email.passwordChanged.subject': 'The password of your {{brand}} account has been changed',
  'email.passwordChanged.reset': 'The password of your private area was changed with a recovery link.',
  'email.passwordChanged.change': 'The password of your private area was changed from your account.',
  'email.passwordChanged.sessions': 'For your security, we have closed your open sessions on other devices.',
  'email.passwordChanged.notYou': 'If this was not you, write to us at {{email}} as soon as possible.',

  'mailbox.title': 'Development mailbox',
  'mailbox.lead':
    'Every email and text message the system would have sent appears here, newest first. It exists only outside production.',
  'mailbox.empty': 'Nothing has been sent yet.',
  'mailbox.to': 'To',
  'mailbox.status': 'Status',
  'mailbox.text': 'Text',
  'mailbox.html': 'HTML',
  'mailbox.viewHtml': 'View the HTML version',
  'mailbox.wrongHost.title': 'Address not recognised',
  'mailbox.wrongHost.body':
    "The development mailbox answers only at the portal's address (PUBLIC_URL) or on localhost with its port.",

  'email.footer': 'This message is sent by {{brand}}. If you have any questions, write to us at {{email}}.',
  'email.ignore': 'If you were not expecting this message, you can ignore it.',
  'email.enrolment.subject': 'Welcome to {{brand}}: register for your private area',
  'email.enrolment.greeting': 'Hello {{name}},',
  'email.enrolment.body':
    'You are now a member of {{brand}}. In your private area you can check your policy and digital card and manage your details.',
  'email.enrolment.data': 'To register you will need these details, together with your date of birth:',
  'email.enrolment.memberNumber': 'Member number',
  'email.enrolment.policyNumber': 'Policy number',
  'email.enrolment.cta': 'Register now',
  'email.enrolment.keep': 'Keep this email: these details are also on your member card.',
};

export const en: Record<MessageKey, string> = {
  ...core,
  ...securityEn,
  ...contactEn,
  ...addressEn,
  ...backofficeEn,
  ...backofficeMembersEn,
  ...integrationEn,
  ...oidcEn,
  ...backofficeApiKeysEn,
  ...backofficeOidcClientsEn,
  ...staffPasswordEn,
  ...helpEn,
  ...passkeysEn,
  ...feedEn,
  ...brandEn,
  ...awarenessEn,
  ...certificateEn,
  ...requestsEn,
  ...requestsMemberEn,
  ...directoryEn,
  ...dataAccessEn,
  ...requestTrackingEn,
  ...documentsEn,
  ...yourDataEn,
  ...lookEn,
};
