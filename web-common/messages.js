// The UI text both pages use, in every language; a page's own i18n.js adds its messages to these.

export const COMMON = {
  en: {
    loading: 'Loading…',
    notFound: 'No such page',
    'error.title': 'Something went wrong',
    empty: 'Nothing here.',
    save: 'Save',
    signout: 'Sign out',
    'nav.label': 'Sections',
    'signin.submit': 'Sign in',
    'signin.expired': 'Your session has ended. Sign in again.',
    'mfa.title': 'Second step of the sign-in',
    'mfa.intro': 'Enter the 6-digit code your authenticator app shows for this account.',
    'mfa.code': 'Code from the app',
    'mfa.recoveryIntro':
      'Enter one of the recovery codes you saved when you turned on two-step sign-in. Each works once.',
    'mfa.recoveryCode': 'Recovery code',
    'mfa.submit': 'Verify',
    'mfa.expired': 'This sign-in has ended (too slow, or too many wrong codes). Sign in again.',
    'field.email': 'Email',
    'field.password': 'Password',
    'field.name': 'Name',
    'field.surname': 'Surname',
  'provider.intro': 'Or sign in with another account:',
  'provider.signIn': 'Sign in with {name}',
  'provider.finishing': 'Finishing the sign-in…',
  'provider.error.email_not_verified':
    'The provider did not confirm that the address is yours, so it cannot sign you in here.',
  'provider.error.signup_disabled':
    'No account has this address, and new accounts cannot be made on this server.',
  'provider.error.access_denied': 'The sign-in was declined, or this account is blocked.',
  'provider.error.invalid_state':
    'This sign-in was not started in this browser, or it took too long. Start it again.',
  'provider.error.provider_error': 'The provider answered something we cannot use. Try again.',
  'provider.error.provider_unavailable': 'The provider cannot be reached now. Try again later.',
  'provider.error.server_error': 'Something went wrong on our side. Try again.',
  'provider.error.other': 'The sign-in with the provider failed. Try again.',
  },
  ru: {
    loading: 'Загрузка…',
    notFound: 'Такой страницы нет',
    'error.title': 'Что-то пошло не так',
    empty: 'Здесь пусто.',
    save: 'Сохранить',
    signout: 'Выйти',
    'nav.label': 'Разделы',
    'signin.submit': 'Войти',
    'signin.expired': 'Сеанс закончился. Войдите снова.',
    'mfa.title': 'Второй шаг входа',
    'mfa.intro':
      'Введите 6-значный код, который приложение-аутентификатор показывает для этого аккаунта.',
    'mfa.code': 'Код из приложения',
    'mfa.recoveryIntro':
      'Введите один из кодов восстановления, сохранённых при включении двухэтапного входа. Каждый действует один раз.',
    'mfa.recoveryCode': 'Код восстановления',
    'mfa.submit': 'Проверить',
    'mfa.expired':
      'Этот вход завершён (слишком долго или слишком много неверных кодов). Войдите снова.',
    'field.email': 'Эл. почта',
    'field.password': 'Пароль',
    'field.name': 'Имя',
    'field.surname': 'Фамилия',
  'provider.intro': 'Или войдите через другой аккаунт:',
  'provider.signIn': 'Войти через {name}',
  'provider.finishing': 'Завершаем вход…',
  'provider.error.email_not_verified':
    'Провайдер не подтвердил, что адрес ваш, поэтому войти с ним здесь нельзя.',
  'provider.error.signup_disabled':
    'Аккаунта с этим адресом нет, а новые аккаунты на этом сервере не создаются.',
  'provider.error.access_denied': 'Вход отклонён, или этот аккаунт заблокирован.',
  'provider.error.invalid_state':
    'Этот вход начат не в этом браузере или занял слишком много времени. Начните заново.',
  'provider.error.provider_error':
    'Провайдер ответил то, что мы не можем принять. Попробуйте ещё раз.',
  'provider.error.provider_unavailable': 'Провайдер сейчас недоступен. Попробуйте позже.',
  'provider.error.server_error': 'У нас что-то пошло не так. Попробуйте ещё раз.',
  'provider.error.other': 'Вход через провайдера не удался. Попробуйте ещё раз.',
  },
};
