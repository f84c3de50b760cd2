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
  },
};
